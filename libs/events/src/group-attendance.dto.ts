import { FieldError } from '@keyport/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

/** Groups come as students (MBO/HBO/WO) or pupils (VMBO): the two labour-market targets count them apart. */
export const GROUP_PARTICIPANT_TYPES = ['student', 'pupil'] as const;
export type GroupParticipantType = (typeof GROUP_PARTICIPANT_TYPES)[number];

export const EDUCATION_LEVELS = ['vmbo', 'mbo', 'hbo', 'wo'] as const;
export type EducationLevel = (typeof EDUCATION_LEVELS)[number];

export const MAX_GROUP_HEADCOUNT = 10_000;

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || undefined : value);

/** A whole group (a school class, a year) that came to an event, counted by headcount instead of by name. */
export class GroupAttendanceDto {
  @ApiProperty({ example: '28 VMBO-leerlingen van het Connect College' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(200) label: string;

  @ApiProperty({ minimum: 1, maximum: MAX_GROUP_HEADCOUNT, example: 28 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_GROUP_HEADCOUNT)
  headcount: number;

  @ApiProperty({ enum: GROUP_PARTICIPANT_TYPES }) @IsIn(GROUP_PARTICIPANT_TYPES) participantType: GroupParticipantType;

  @ApiPropertyOptional({ enum: EDUCATION_LEVELS, description: 'vmbo for pupils; mbo, hbo or wo for students' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(EDUCATION_LEVELS)
  educationLevel?: EducationLevel;

  @ApiPropertyOptional({ description: 'The school or organisation, when known' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() organisationId?: string;

  @ApiPropertyOptional({ example: 'Connect College', description: 'Or its name: matched to an existing organisation (left empty when none matches exactly)' })
  @Transform(trimmed)
  @IsOptional()
  @IsString()
  @MaxLength(300)
  organisationName?: string;
}

export interface GroupAttendanceView {
  id: string;
  eventId: string;
  organisationId: string | null;
  organisationName: string | null;
  label: string;
  headcount: number;
  participantType: GroupParticipantType;
  educationLevel: EducationLevel | null;
  recordedBy: string | null;
  recordedByName: string | null;
  createdAt: Date;
}

/**
 * The rules of one group, also for callers that skip the DTO pipe: a headcount of 1..10,000, a label,
 * and a level that fits the kind of participant (pupils are VMBO, students MBO, HBO or WO).
 */
export function checkGroupAttendance(input: Partial<Record<keyof GroupAttendanceDto, unknown>>): FieldError[] {
  const errors: FieldError[] = [];
  const label = typeof input.label === 'string' ? input.label.trim() : '';
  if (!label) errors.push({ field: 'label', message: 'label should not be empty', rule: 'isNotEmpty' });
  else if (label.length > 200) errors.push({ field: 'label', message: 'label must be shorter than or equal to 200 characters', rule: 'maxLength' });
  const n = input.headcount;
  if (typeof n !== 'number' || !Number.isInteger(n)) errors.push({ field: 'headcount', message: 'headcount must be an integer number', rule: 'isInt' });
  else if (n < 1 || n > MAX_GROUP_HEADCOUNT) errors.push({ field: 'headcount', message: `headcount must be between 1 and ${MAX_GROUP_HEADCOUNT}`, rule: 'headcountRange' });
  const type = input.participantType;
  if (!GROUP_PARTICIPANT_TYPES.includes(type as GroupParticipantType)) errors.push({ field: 'participantType', message: 'participantType must be student or pupil', rule: 'isIn' });
  const level = input.educationLevel;
  if (level !== undefined && level !== null && level !== '') {
    if (!EDUCATION_LEVELS.includes(level as EducationLevel)) errors.push({ field: 'educationLevel', message: 'educationLevel must be vmbo, mbo, hbo or wo', rule: 'isIn' });
    else if (type === 'pupil' && level !== 'vmbo') errors.push({ field: 'educationLevel', message: 'pupils are at VMBO level', rule: 'levelMismatch' });
    else if (type === 'student' && level === 'vmbo') errors.push({ field: 'educationLevel', message: 'students are at MBO, HBO or WO level', rule: 'levelMismatch' });
  }
  return errors;
}
