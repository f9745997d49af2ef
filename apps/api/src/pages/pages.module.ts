import { Global, Module } from '@nestjs/common';
import { PageRenderer } from './page-renderer';

/** The page renderer for every controller that serves pages. */
@Global()
@Module({ providers: [PageRenderer], exports: [PageRenderer] })
export class PagesModule {}
