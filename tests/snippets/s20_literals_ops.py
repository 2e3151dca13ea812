# int/str literals and arithmetic and comparison on ints and strs.
print(7 + 3, 7 - 10, 7 * 3, 7 // 2, -7 // 2, 7 % 3, -7 % 3, 2 ** 10, 0x1F, 0b101, 1_000)
print(5 & 3, 5 | 3, 5 ^ 3, ~5, 1 << 4, 256 >> 3, -(-3), +4)
print("ab" + "cd", "ab" * 3, 3 * "x", "%s=%d" % ("k", 4), "%r" % "q")
print(1 < 2, 2 <= 2, 3 > 4, 4 >= 4, 1 == 1, 1 != 1, 1 < 2 < 3, 3 > 2 > 2)
print("a" < "b", "abc" < "abd", "b" > "abc", "x" == "x")
print([1, 2] == [1, 2], (1, 2) < (1, 3), [1, 2] < [1, 2, 0], {"a": 1} == {"a": 1})
print(True + True, True == 1, None == 0)
