import { Foundation1732780000000 } from './1732780000000-foundation';
import { Crm1732790000000 } from './1732790000000-crm';
import { Imports1732800000000 } from './1732800000000-imports';
import { Events1732810000000 } from './1732810000000-events';
import { Mailings1732820000000 } from './1732820000000-mailings';
import { Targets1732830000000 } from './1732830000000-targets';

/** Every migration, in order. A new migration is added here as well as in its file. */
export const MIGRATIONS = [Foundation1732780000000, Crm1732790000000, Imports1732800000000, Events1732810000000, Mailings1732820000000, Targets1732830000000];
