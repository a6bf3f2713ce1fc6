// SPDX-License-Identifier: Apache-2.0
// sshd refuses a session channel beyond MaxSessions (10 by default) on one connection, and
// roles configuring concurrently on a host can ask for more. Channels wait their turn here.
// A refusal anyway (an operator's lower MaxSessions) is retried after a pause: a refused
// channel never started its command, so trying again cannot run anything twice.

/** Below sshd's default MaxSessions, leaving room for the operator's own session. */
export const CHANNELS_PER_CONNECTION = 8
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000]

export function isChannelRefused(e: unknown): boolean {
  return /Channel open failure/i.test((e as Error | undefined)?.message ?? '')
}

export class ChannelGate {
  private open = 0
  private readonly queue: (() => void)[] = []

  constructor(
    private readonly limit = CHANNELS_PER_CONNECTION,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  /** Runs `use` (which opens one channel) when a channel is free, retrying refusals. */
  async run<T>(use: () => Promise<T>): Promise<T> {
    if (this.open >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve))
    else this.open++
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await use()
        } catch (e) {
          const delay = this.retryDelaysMs[attempt]
          if (!isChannelRefused(e) || delay === undefined) throw e
          await new Promise((r) => setTimeout(r, delay))
        }
      }
    } finally {
      // The slot passes straight to the next waiter, so the count never drops below what runs.
      const next = this.queue.shift()
      if (next) next()
      else this.open--
    }
  }
}
