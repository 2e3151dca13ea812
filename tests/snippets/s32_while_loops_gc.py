# A while loop building and dropping cycles, with an explicit collect each round.
import gc
gc.collect(); gc.disable()
class N:
    def __init__(self, i): self.i = i
round = 0
total = 0
while round < 5:
    nodes = [N(i) for i in range(round + 2)]
    for k in range(len(nodes)):
        nodes[k].nxt = nodes[(k + 1) % len(nodes)]
    del nodes
    got = gc.collect()
    total += got
    print("round", round, "collected", got)
    round += 1
print("total", total)
