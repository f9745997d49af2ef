import { Module } from '@nestjs/common';

/** Placeholder: filled in by the imports feature. */
@Module({})
export class ImportsHttpModule {}
