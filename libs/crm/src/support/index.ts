export * from './support-choices.service';
export * from './support-record.dto';
export * from './support-records.service';
export * from './support.constants';
export * from './support.module';
