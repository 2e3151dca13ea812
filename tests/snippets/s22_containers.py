# list, tuple and dict literals and their methods.
l = [3, 1, 2]
l.append(4); l.insert(0, 0); l.extend([5]); l.remove(1)
print(l, l.pop(), l.pop(0), l, l.index(2), l.count(2), len(l))
l.reverse(); print(l)
l.sort(); print(l)
print(sorted([3, 1, 2], reverse=True), sorted(["b", "a"]))
t = (1, "two", [3])
print(t, len(t), t[1], t[-1])
d = {"a": 1, "b": 2}
d["c"] = 3
print(d, d.get("a"), d.get("z"), d.get("z", 0), d.keys(), d.values(), d.items())
print(d.pop("a"), d, d.setdefault("b", 9), d.setdefault("n", []), d)
d.update({"x": 1}); print(d, len(d))
print(list("ab"), tuple([1, 2]), dict([("k", "v")]), dict(a=1), list(range(3)))
print([[1, 2], [3]], [], (), {}, (1,))
