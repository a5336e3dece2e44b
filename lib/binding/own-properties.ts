// Options, capacities and label values are read as the given object's own properties only: what it
// inherits (from Object.prototype, which any code in the process can change, or from a prototype of the
// caller's) is never taken for one, and a key named as an inherited member (constructor, toString,
// __proto__) is as unknown as a typo.

/** The own enumerable properties of `object`, in an object without a prototype: a key it lacks reads undefined. */
export function ownProperties<T extends object>(object: T): Partial<T> {
  return Object.assign(Object.create(null) as Partial<T>, object)
}
