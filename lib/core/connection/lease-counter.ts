/**
 * How many leases each pooled resource (channel or connection) serves right now. A resource
 * serves up to `sharing` at once; picking is fill-first, so a light load keeps few resources
 * busy (and their batches of confirms large), a heavy one spreads out.
 */
export class LeaseCounter<T> {
  private readonly users = new Map<T, number>();

  constructor(readonly sharing: number) {}

  get size(): number {
    return this.users.size;
  }

  /** Resources serving at least one lease. */
  get busy(): number {
    let count = 0;
    for (const n of this.users.values()) if (n > 0) count += 1;
    return count;
  }

  resources(): T[] {
    return [...this.users.keys()];
  }

  has(resource: T): boolean {
    return this.users.has(resource);
  }

  add(resource: T): void {
    this.users.set(resource, 0);
  }

  delete(resource: T): boolean {
    return this.users.delete(resource);
  }

  /** The first resource with room that `usable` accepts; unusable ones are dropped through `drop`. */
  pickWithRoom(usable: (resource: T) => boolean, drop: (resource: T) => void): T | undefined {
    // Keys, not entries: no [key, value] array per channel per publish.
    for (const resource of this.users.keys()) {
      if (!usable(resource)) {
        drop(resource);
        continue;
      }
      if (this.users.get(resource)! < this.sharing) return resource;
    }
    return undefined;
  }

  take(resource: T): void {
    this.users.set(resource, (this.users.get(resource) ?? 0) + 1);
  }

  /** Ends one lease; false when the resource is no longer tracked. */
  give(resource: T): boolean {
    const n = this.users.get(resource);
    if (n === undefined) return false;
    this.users.set(resource, Math.max(0, n - 1));
    return true;
  }

  hasRoom(resource: T): boolean {
    return (this.users.get(resource) ?? Infinity) < this.sharing;
  }
}
