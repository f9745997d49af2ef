import { Foundation1732780000000 } from './1732780000000-foundation';

/** Every migration, in order. A new migration is added here as well as in its file. */
export const MIGRATIONS = [Foundation1732780000000];
