# __repr__ and __str__ in print, repr(), str(), f-strings and containers.
class V:
    def __init__(self, x): self.x = x
    def __repr__(self): return f"V({self.x!r})"
class S(V):
    def __str__(self): return f"<S {self.x}>"
v = V("a"); s = S(2)
print(v, s)
print(repr(v), str(v), repr(s), str(s))
print([v, s], (s,), {"k": s})
print(f"{v} {s} {s!r}")
