export * from './errors';
export * from './pagination';
export * from './paths';
export * from './signing';
export * from './time';
export * from './sql';
export * from './logging';
export * from './amsterdam-time';
