# freeze moves everything to the permanent generation; unfreeze puts it back in gen 2.
import gc
gc.collect(); gc.disable()
junk = []; junk.append(junk); del junk
gc.freeze()
print(gc.get_freeze_count() > 0, gc.get_count(), gc.collect())
gc.unfreeze()
print(gc.get_freeze_count(), gc.collect())
