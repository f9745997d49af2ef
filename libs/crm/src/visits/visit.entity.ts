import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { AnsweredBy, ProgrammeLine } from '../crm.constants';

/** A company visit (bedrijfsbezoek) logged by an account manager. The contacts met are in company_visit_contacts. */
@Entity('company_visits')
export class CompanyVisit {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'organisation_id', type: 'uuid' }) organisationId: string;
  /** A calendar date `YYYY-MM-DD` (no time zone). */
  @Column({ name: 'visited_on', type: 'date' }) visitedOn: string;
  @Column({ name: 'account_manager_id', type: 'uuid' }) accountManagerId: string;
  @Column({ name: 'programme_lines', type: 'text', array: true, default: () => "'{}'" }) programmeLines: ProgrammeLine[];
  @Column({ type: 'text', array: true, default: () => "'{}'" }) themes: string[];
  @Column({ type: 'text', nullable: true }) notes: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

export type QuestionStatus = 'open' | 'answered';

/** An innovation question of a company, often raised during a visit; counted for the year plan once answered. */
@Entity('innovation_questions')
export class InnovationQuestion {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'organisation_id', type: 'uuid' }) organisationId: string;
  @Column({ name: 'visit_id', type: 'uuid', nullable: true }) visitId: string | null;
  @Column({ name: 'contact_id', type: 'uuid', nullable: true }) contactId: string | null;
  @Column({ type: 'text' }) question: string;
  @Column({ name: 'raised_on', type: 'date' }) raisedOn: string;
  @Column({ type: 'text', default: 'open' }) status: QuestionStatus;
  @Column({ name: 'answered_by', type: 'text', nullable: true }) answeredBy: AnsweredBy | null;
  @Column({ name: 'answered_by_name', type: 'text', nullable: true }) answeredByName: string | null;
  @Column({ type: 'text', nullable: true }) answer: string | null;
  @Column({ name: 'answered_on', type: 'date', nullable: true }) answeredOn: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** Something to do after a visit (or for an organisation), for one staff member, maybe by a date. */
@Entity('follow_up_actions')
export class FollowUpAction {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'organisation_id', type: 'uuid' }) organisationId: string;
  @Column({ name: 'visit_id', type: 'uuid', nullable: true }) visitId: string | null;
  @Column({ type: 'text' }) description: string;
  @Column({ name: 'assignee_id', type: 'uuid' }) assigneeId: string;
  @Column({ name: 'due_on', type: 'date', nullable: true }) dueOn: string | null;
  @Column({ name: 'done_at', type: 'timestamptz', nullable: true }) doneAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
