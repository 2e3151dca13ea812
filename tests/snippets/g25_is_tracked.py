# is_tracked for the subset's types.
import gc
class U: pass
cases = [("None", None), ("int", 5), ("str", "s"), ("list", []), ("{}", {}),
         ("{'a': 1}", {"a": 1}), ("{'a': []}", {"a": []}), ("tuple()", ()), ("instance", U()),
         ("class", U), ("function", len), ("lambda", lambda: 0), ("module", gc)]
for name, obj in cases:
    print(f"{name:10} {gc.is_tracked(obj)}")
