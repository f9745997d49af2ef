import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum Role {
  Admin = 'admin',
  Organiser = 'organiser',
  AccountManager = 'account_manager',
}

export const ROLES = Object.values(Role);

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column()
  email: string;

  @Column()
  name: string;

  @Column({ type: 'text' })
  role: Role;

  @Column({ name: 'password_hash', select: false })
  passwordHash: string;

  @Column({ default: true })
  active: boolean;

  @Column({ type: 'text', default: 'nl' })
  language: 'nl' | 'en';

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** What the platform knows about the person making a request. */
export interface Actor {
  id: string;
  role: Role;
  name: string;
  email: string;
}
