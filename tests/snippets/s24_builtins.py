# len, print, repr, str, isinstance, range, list, dict, tuple, id and friends.
print(len("abc"), len([1]), len({}), len(range(5)))
print(repr("it's"), repr('say "hi"'), str(12), str([1, "a"]), repr(None))
print(isinstance(1, int), isinstance("s", str), isinstance([], list), isinstance((), tuple))
print(isinstance({}, dict), isinstance(True, int), isinstance(1, (str, int)))
print(list(range(4)), list(range(1, 4)), list(range(10, 0, -3)))
a = []; b = a
print(id(a) == id(b), id(a) == id([]))
print(min(3, 1, 2), max([4, 9, 2]), sum([1, 2, 3]), abs(-5), any([0, 1]), all([1, 0]))
print(int("12") + 1, int(True), bool(0), bool("x"), str(), list(), tuple(), dict())
print("sep", "end", sep="-", end="!\n")
print("star-free")
