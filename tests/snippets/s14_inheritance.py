# Single inheritance: method lookup along the bases, isinstance with a base class.
class Animal:
    sound = "..."
    def __init__(self, name): self.name = name
    def speak(self): return f"{self.name} says {self.sound}"
class Dog(Animal):
    sound = "woof"
class Puppy(Dog):
    def speak(self): return "small " + Dog.speak(self)
for a in [Animal("generic"), Dog("rex"), Puppy("bit")]:
    print(a.speak(), isinstance(a, Animal), isinstance(a, Dog))
