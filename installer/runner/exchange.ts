// SPDX-License-Identifier: Apache-2.0
// Files one host of a phase hands to the others in the same run: what is made once
// (Swift's rings) and needed everywhere. The giving host's task offers them once
// made; each taking task waits for the offer, or for the giver to end its part of
// the phase without one (it failed), so no host waits for ever.
import { StackhouseError } from '../errors.ts'
import type { FileExchange, SharedFile } from '../tasks/types.ts'

interface Offer {
  promise: Promise<SharedFile[]>
  resolve(files: SharedFile[]): void
}

export class RunExchange {
  private readonly offers = new Map<string, Offer>()
  private readonly ended = new Map<string, Promise<void>>()
  private readonly endNow = new Map<string, () => void>()

  /** `hostsOf(phase)`: the hosts that run the phase in this run. */
  constructor(private readonly hostsOf: (phase: string) => readonly string[] | undefined) {}

  /** The exchange as the tasks of `phase` see it. */
  forPhase(phase: string): FileExchange {
    return {
      offer: (key, files) => this.offer(phase, key).resolve(files),
      take: (key, from) => this.take(phase, key, from),
    }
  }

  /** `host` has finished (or failed) its tasks of `phase`: an offer it has not made never comes. */
  hostEnded(phase: string, host: string): void {
    this.endOf(phase, host)
    this.endNow.get(`${phase}\n${host}`)!()
  }

  private offer(phase: string, key: string): Offer {
    const id = `${phase}\n${key}`
    let o = this.offers.get(id)
    if (!o) {
      let resolve!: (files: SharedFile[]) => void
      const promise = new Promise<SharedFile[]>((r) => (resolve = r))
      o = { promise, resolve }
      this.offers.set(id, o)
    }
    return o
  }

  private take(phase: string, key: string, from: string): Promise<SharedFile[] | undefined> {
    // Not in this run (--limit): nothing comes, and the taker decides whether what it has will do.
    if (!this.hostsOf(phase)?.includes(from)) return Promise.resolve(undefined)
    const gone = this.endOf(phase, from).then(() => {
      throw new StackhouseError(`${key}: ${from} ended its ${phase} tasks without handing over the files (it failed: see its log)`, {
        kind: 'hosts',
        host: from,
      })
    })
    return Promise.race([this.offer(phase, key).promise, gone])
  }

  private endOf(phase: string, host: string): Promise<void> {
    const id = `${phase}\n${host}`
    let p = this.ended.get(id)
    if (!p) {
      p = new Promise<void>((r) => this.endNow.set(id, r))
      this.ended.set(id, p)
    }
    return p
  }
}
