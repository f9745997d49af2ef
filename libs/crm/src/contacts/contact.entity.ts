import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A person. Erased persons keep their row (figures count them) with the personal data removed. */
@Entity('contacts')
export class Contact {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'first_name' }) firstName: string;
  @Column({ name: 'last_name' }) lastName: string;
  @Column({ type: 'text', nullable: true }) email: string | null;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column({ name: 'job_title', type: 'text', nullable: true }) jobTitle: string | null;
  @Column({ type: 'text', default: 'nl' }) language: 'nl' | 'en';
  @Column({ name: 'mailing_consent', default: false }) mailingConsent: boolean;
  @Column({ name: 'consent_at', type: 'timestamptz', nullable: true }) consentAt: Date | null;
  @Column({ name: 'consent_source', type: 'text', nullable: true }) consentSource: string | null;
  @Column({ name: 'unsubscribed_at', type: 'timestamptz', nullable: true }) unsubscribedAt: Date | null;
  @Column({ name: 'bounced_at', type: 'timestamptz', nullable: true }) bouncedAt: Date | null;
  @Column({ name: 'bounce_reason', type: 'text', nullable: true }) bounceReason: string | null;
  /** The programme lines the person wants to hear about (PROGRAMME_LINES). */
  @Column({ type: 'text', array: true, default: () => "'{}'" }) interests: string[];
  @Column({ type: 'text', nullable: true }) notes: string | null;
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true }) erasedAt: Date | null;
  @Column({ name: 'merged_into_id', type: 'uuid', nullable: true }) mergedIntoId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** A person's employment at an organisation, with a role and dates; history stays when they move on. */
@Entity('contact_organisations')
export class ContactOrganisation {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'contact_id', type: 'uuid' }) contactId: string;
  @Column({ name: 'organisation_id', type: 'uuid' }) organisationId: string;
  @Column({ type: 'text', nullable: true }) role: string | null;
  @Column({ name: 'started_on', type: 'date', nullable: true }) startedOn: string | null;
  @Column({ name: 'ended_on', type: 'date', nullable: true }) endedOn: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
