// How many worker starts the churn tests make. `npm test` runs them at a scale that keeps the suite within
// its time on two cores; `npm run test:soak` (RSEQ_SOAK=1, run by .ci/run) at the full counts: 2,000
// churned workers per strategy and 1,600 worker starts under the package's own registrations. A Node 20
// worker costs about 70 ms of CPU to start and stop here, so those counts alone take about five minutes.
const SOAK = process.env.RSEQ_SOAK === '1'

/** Workers the churn test starts per strategy (a fifth of them terminated mid-loop). */
export const CHURN_WORKERS = SOAK ? 2000 : 500

/** Rounds of 8 workers created and exited under the package's own registrations. */
export const OWN_REGISTRATION_ROUNDS = SOAK ? 200 : 50
