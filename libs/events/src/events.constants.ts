export const EVENT_FORMATS = [
  'breakfast_session', 'masterclass', 'workshop', 'theme_meeting', 'knowledge_session', 'campus_exchange',
  'round_table', 'symposium', 'partner_meeting', 'employer_meetup', 'other',
] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];

export const EVENT_STATUSES = ['draft', 'published', 'cancelled', 'held'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const PARTICIPANT_TYPES = ['entrepreneur', 'employee', 'student', 'education', 'government', 'other'] as const;
export type ParticipantType = (typeof PARTICIPANT_TYPES)[number];

export const QUESTION_KINDS = ['text', 'single', 'multiple', 'yes_no'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export const REGISTRATION_STATUSES = ['confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

export const REGISTRATION_SOURCES = ['public', 'staff', 'walk_in'] as const;
export type RegistrationSource = (typeof REGISTRATION_SOURCES)[number];
