# Runtime errors the subset raises, caught and printed.
tests = [lambda: [1][5], lambda: (1,)[-2], lambda: {"a": 1}["b"], lambda: 10 // 0, lambda: 10 % 0,
         lambda: "a" - 1, lambda: len(5), lambda: [].pop(), lambda: int("x"),
         lambda: undefined_thing, lambda: "abc".nope, lambda: 1 < "a", lambda: None()]
for t in tests:
    try:
        t()
    except Exception as e:
        print(type(e).__name__ + ":", e)
