# global: functions rebinding module variables.
counter = 0
def bump():
    global counter
    counter += 1
def read():
    return counter
bump(); bump()
print(counter, read())
def make():
    global made
    made = [1]
make()
print(made)
