import { Module } from '@nestjs/common';

/** Placeholder: filled in by the visits feature. */
@Module({})
export class VisitsHttpModule {}
