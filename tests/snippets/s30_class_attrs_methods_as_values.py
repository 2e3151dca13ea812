# Methods as values: bound methods remember self; functions stored on classes.
class Greeter:
    greeting = "hi"
    def greet(self, who): return f"{self.greeting} {who}"
g = Greeter()
m = g.greet
print(m("bob"), m.__self__ is g, type(m).__name__)
f = Greeter.greet
print(f(g, "amy"), type(f).__name__)
Greeter.greeting = "hello"
print(m("cid"))
