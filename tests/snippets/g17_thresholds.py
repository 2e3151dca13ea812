# get_threshold / set_threshold (one, two or three values).
import gc
print(gc.get_threshold())
gc.set_threshold(100); print(gc.get_threshold())
gc.set_threshold(50, 5); print(gc.get_threshold())
gc.set_threshold(700, 10, 10); print(gc.get_threshold())
