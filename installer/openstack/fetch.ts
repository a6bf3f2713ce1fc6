// SPDX-License-Identifier: Apache-2.0
// Why fetch threw: the network error's code (ECONNREFUSED…) says more than "fetch failed".

export function describeFetchFailure(cause: unknown): string {
  const e = cause as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out'
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(cause)
}
