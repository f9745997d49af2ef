export * from './bearer';
export * from './metrics';
export * from './metrics-server';
export * from './metrics.module';
export * from './metrics.service';
