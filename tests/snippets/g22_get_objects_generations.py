# get_objects(gen) reflects promotion of survivors.
import gc
gc.collect(); gc.disable()
marker = ["marker"]
def gens(o):
    return [g for g in range(3) if any(x is o for x in gc.get_objects(g))]
print(gens(marker))
gc.collect(0); print(gens(marker))
gc.collect(1); print(gens(marker))
gc.collect(); print(gens(marker))
print(any(x is marker for x in gc.get_objects()))
