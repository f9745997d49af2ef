import { Module } from '@nestjs/common';

/** Placeholder: filled in by the support feature. */
@Module({})
export class SupportHttpModule {}
