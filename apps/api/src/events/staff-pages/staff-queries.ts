import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import { EventListQuery, RegistrationListQuery } from '../events.api.controller';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The pages' queries are the API's plus the language switch (?lang=en), which every page link may carry. */
export class StaffEventListQuery extends EventListQuery {
  @ApiPropertyOptional({ enum: ['nl', 'en'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['nl', 'en']) lang?: 'nl' | 'en';
}

export class StaffRegistrationListQuery extends RegistrationListQuery {
  @ApiPropertyOptional({ enum: ['nl', 'en'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['nl', 'en']) lang?: 'nl' | 'en';
}
