# A function whose defaults hold the function's own container: a cycle via defaults.
import gc
gc.collect(); gc.disable()
box = []
def f(b=box): return b
box.append(f)
del box, f
print("collect:", gc.collect())
