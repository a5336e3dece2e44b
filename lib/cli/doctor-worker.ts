// The worker `rseq doctor` starts: it loads the package in a thread of its own and reports its decision.
import { parentPort } from 'node:worker_threads'
import { diagnoseThisThread } from './doctor'

parentPort?.postMessage(diagnoseThisThread())
