import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OrganisationType, SizeClass } from '../crm.constants';

@Entity('organisations')
export class Organisation {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column() name: string;
  /** The name reduced for duplicate detection (see organisationNameKey). */
  @Column({ name: 'name_key', select: false }) nameKey: string;
  @Column({ type: 'text' }) type: OrganisationType;
  @Column({ name: 'kvk_number', type: 'text', nullable: true }) kvkNumber: string | null;
  @Column({ type: 'text', nullable: true }) municipality: string | null;
  @Column({ name: 'municipality_key', type: 'text', nullable: true, select: false }) municipalityKey: string | null;
  @Column({ name: 'in_region', default: false }) inRegion: boolean;
  @Column({ type: 'text', nullable: true }) street: string | null;
  @Column({ type: 'text', nullable: true }) postcode: string | null;
  @Column({ type: 'text', nullable: true }) city: string | null;
  @Column({ type: 'text', nullable: true }) sector: string | null;
  @Column({ name: 'size_class', type: 'text', nullable: true }) sizeClass: SizeClass | null;
  @Column({ type: 'text', nullable: true }) website: string | null;
  @Column({ type: 'text', array: true, default: () => "'{}'" }) tags: string[];
  @Column({ type: 'text', nullable: true }) notes: string | null;
  @Column({ name: 'account_manager_id', type: 'uuid', nullable: true }) accountManagerId: string | null;
  @Column({ name: 'needs_review', default: false }) needsReview: boolean;
  @Column({ name: 'merged_into_id', type: 'uuid', nullable: true }) mergedIntoId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
