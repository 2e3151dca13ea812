# get_referrers finds the containers that hold an object.
import gc
gc.disable()
target = ["t"]
holder_list = [target]
holder_dict = {"k": target}
class H: pass
h = H(); h.attr = target
refs = gc.get_referrers(target)
print(any(r is holder_list for r in refs), any(r is holder_dict for r in refs), any(r is h for r in refs))
print(len([r for r in refs if r is holder_list or r is holder_dict or r is h]))
