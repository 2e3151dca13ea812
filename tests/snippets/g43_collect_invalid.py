# Invalid generations.
import gc
for g in [-1, 3, 0, 2]:
    try:
        print(g, type(gc.collect(g)).__name__)
    except ValueError as e:
        print(g, "ValueError", e)
try:
    gc.get_objects(5)
except ValueError as e:
    print("ValueError", e)
