# f-strings: fields with expressions, calls, subscripts, !r / !s, widths,
# alignment, fill, zero padding, nested quotes, doubled braces.
class P:
    def __init__(self, x):
        self.x = x
    def __repr__(self):
        return f"P({self.x!r})"
    def __str__(self):
        return f"<{self.x}>"
p = P("a")
n = 42
items = [1, "two", None]
d = {"k": "v"}
print(f"{n} {n + 1} {n * 2}")
print(f"{p} {p!r} {p!s} {[p]}")
print(f"{items} {items[1]!r} {len(items)}")
print(f"{d['k']} {d!r}")
print(f"[{n:5}] [{n:<5}] [{n:^5}] [{n:>5}] [{n:05}]")
print(f"[{'ab':5}] [{'ab':>5}] [{'ab':*^6}] [{'ab':-<4}]")
print(f"{{literal}} {{{n}}}")
print(f"{'quoted'} {True} {None} {-n}")
print(f"{n if n > 10 else 0} {n == 42} {n // 5}")
w = "w"
print(f"{w}{w}" f"-{w}-" "plain")
print(f"{str(n)!r} {repr(w)}")
