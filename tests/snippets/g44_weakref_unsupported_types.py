# Lists, dicts, ints and strs cannot be weakly referenced.
import weakref
for v in [[], {}, 1, "s", (1,)]:
    try:
        weakref.ref(v)
    except TypeError as e:
        print("TypeError:", e)
def f(): pass
print(weakref.ref(f)() is f)
