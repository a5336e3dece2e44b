// rseq/prometheus-io-client: a MetricStore's metrics in the registries of @prometheus-io/client, the
// package prom-client's project publishes now (prometheus/client_js). Its registries are its own: a store
// exported here does not appear in prom-client's, and the other way round (export it to both to serve both).
// @prometheus-io/client is an optional peer dependency: install it to use this module.
import type { MetricStore } from '../store/metric-store'
import { registerStoreWith, type RegistryLike, type StoreExport, type StoreExportOptions } from './prometheus-export'

export type { StoreExport, StoreExportOptions } from './prometheus-export'

interface Library {
  Registry: new () => RegistryLike
  register: RegistryLike
}

function loadLibrary(): Library {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- @prometheus-io/client is an optional peer dependency: its absence is a message naming it, not a failed import
    return require('@prometheus-io/client') as Library
  } catch (error) {
    throw new Error(
      `rseq/prometheus-io-client needs the @prometheus-io/client package (an optional peer dependency): npm install @prometheus-io/client\n${error}`,
      { cause: error },
    )
  }
}

const library = loadLibrary()

/**
 * Exports every metric of `store` (host-wide or in-process) through @prometheus-io/client registries: its
 * default registry, or `options.registers`. Metrics made later, by any process, join at the next scrape.
 */
export function registerStore(store: MetricStore, options?: StoreExportOptions): StoreExport {
  return registerStoreWith({ name: '@prometheus-io/client', ...library }, store, options, 'registerStore(store, options)')
}
