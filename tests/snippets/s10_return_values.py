# return with and without a value, early return, returning tuples.
def nothing(): pass
def early(x):
    if x:
        return "early"
    return "late"
def pair(): return 1, 2
print(nothing(), early(1), early(0), pair())
a, b = pair()
print(a + b)
