// RSEQ_STRATEGY, read and checked in one place: the native path and the portable path take only the
// names below, so the message for anything else is the same whichever of them runs.

/** The strategies RSEQ_STRATEGY can force, as the README lists them. */
export const FORCEABLE_STRATEGIES = ['glibc', 'own', 'legacy', 'fallback', 'portable'] as const
export type StrategyRequest = (typeof FORCEABLE_STRATEGIES)[number] | ''

/** What this thread's environment asks for ('' when RSEQ_STRATEGY is unset, empty or `auto`); TypeError otherwise. */
export function requestedStrategy(): StrategyRequest {
  const text = process.env.RSEQ_STRATEGY ?? ''
  if (text === 'auto') return ''
  if (text === '' || (FORCEABLE_STRATEGIES as readonly string[]).includes(text)) return text as StrategyRequest
  throw new TypeError(`RSEQ_STRATEGY must be one of ${FORCEABLE_STRATEGIES.join(', ')} (or unset); got '${text}'`)
}
