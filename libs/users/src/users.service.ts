import { ConflictError, escapeLike, ForbiddenError, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { APP_CONFIG, AppConfig } from '@keyport/config';
import { MailService } from '@keyport/mail';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource, Repository } from 'typeorm';
import { Actor, Role, ROLES, User } from './user.entity';

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
}

export interface UserQuery {
  q?: string;
  role?: Role;
  page?: number;
  pageSize?: number;
}

export const MIN_PASSWORD_LENGTH = 10;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** A hash to verify against when the email is unknown, so a wrong email costs as long as a wrong password. */
let decoyHash: Promise<string> | undefined;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly dataSource: DataSource,
    private readonly mail: MailService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The active user with this email and password, or null. */
  async authenticate(email: string, password: string): Promise<User | null> {
    const user = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.email) = :email', { email: normaliseEmail(email ?? '') })
      .getOne();
    if (!user) {
      decoyHash ??= argon2.hash('decoy-password-for-timing');
      await argon2.verify(await decoyHash, password ?? '');
      return null;
    }
    const ok = await argon2.verify(user.passwordHash, password ?? '');
    if (!ok || !user.active) return null;
    await this.users.update(user.id, { lastLoginAt: new Date() });
    return user;
  }

  /** The active user behind a session or token, or null when gone or deactivated. */
  async findActive(id: string): Promise<User | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    return this.users.findOne({ where: { id, active: true } });
  }

  async get(actor: Actor, id: string): Promise<User> {
    this.requireAdmin(actor);
    const user = /^[0-9a-f-]{36}$/i.test(id) ? await this.users.findOne({ where: { id } }) : null;
    if (!user) throw new NotFoundError('User');
    return user;
  }

  async list(actor: Actor, query: UserQuery): Promise<Page<User>> {
    this.requireAdmin(actor);
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const qb = this.users.createQueryBuilder('u').orderBy('u.name').addOrderBy('u.email');
    if (query.q) qb.andWhere('(u.name ILIKE :q OR u.email ILIKE :q)', { q: `%${escapeLike(query.q)}%` });
    if (query.role) qb.andWhere('u.role = :role', { role: query.role });
    const [items, total] = await qb.skip(offset).take(pageSize).getManyAndCount();
    return pageOf(items, total, page, pageSize);
  }

  async create(actor: Actor | 'system', input: NewUser): Promise<User> {
    if (actor !== 'system') this.requireAdmin(actor);
    const email = normaliseEmail(input.email);
    const errors = [];
    if (!EMAIL.test(email)) errors.push({ field: 'email', message: 'must be an email address' });
    if (!input.name?.trim()) errors.push({ field: 'name', message: 'must not be empty' });
    if (!ROLES.includes(input.role)) errors.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
    if ((input.password ?? '').length < MIN_PASSWORD_LENGTH) {
      errors.push({ field: 'password', message: `must have at least ${MIN_PASSWORD_LENGTH} characters` });
    }
    if (errors.length) throw new ValidationError(errors);
    if (await this.users.exist({ where: { email } })) {
      throw new ConflictError('A user with this email exists', [{ field: 'email', message: 'is already in use' }]);
    }
    const passwordHash = await argon2.hash(input.password);
    return this.dataSource.transaction(async (manager) => {
      const user = await manager.save(manager.create(User, { email, name: input.name.trim(), role: input.role, passwordHash, active: true }));
      // An admin adding a colleague: tell them where to log in (queued with the insert, sent by the worker).
      if (actor !== 'system') {
        await this.mail.queue(manager, {
          template: 'staff-welcome',
          lang: user.language,
          to: user.email,
          data: { name: user.name, email: user.email, role: user.role, loginUrl: `${this.config.app.url}/login` },
        });
      }
      return user;
    });
  }

  async update(actor: Actor, id: string, change: { role?: Role; active?: boolean; name?: string }): Promise<User> {
    const user = await this.get(actor, id);
    if (change.role !== undefined && !ROLES.includes(change.role)) {
      throw new ValidationError([{ field: 'role', message: `must be one of ${ROLES.join(', ')}` }]);
    }
    if (user.id === actor.id && (change.active === false || (change.role && change.role !== Role.Admin))) {
      throw new ValidationError([{ field: 'role', message: 'you cannot demote or deactivate yourself' }]);
    }
    if (change.name !== undefined && !change.name.trim()) throw new ValidationError([{ field: 'name', message: 'must not be empty' }]);
    Object.assign(user, {
      ...(change.role !== undefined && { role: change.role }),
      ...(change.active !== undefined && { active: change.active }),
      ...(change.name !== undefined && { name: change.name.trim() }),
    });
    return this.users.save(user);
  }

  async setPassword(actor: Actor, id: string, password: string): Promise<void> {
    if (actor.id !== id) this.requireAdmin(actor);
    if ((password ?? '').length < MIN_PASSWORD_LENGTH) {
      throw new ValidationError([{ field: 'password', message: `must have at least ${MIN_PASSWORD_LENGTH} characters` }]);
    }
    const result = await this.users.update(id, { passwordHash: await argon2.hash(password) });
    if (!result.affected) throw new NotFoundError('User');
  }

  /** Active staff, for "account manager" and "assignee" menus (names only). */
  async staffOptions(): Promise<{ id: string; name: string; role: Role }[]> {
    return this.users.find({ select: { id: true, name: true, role: true }, where: { active: true }, order: { name: 'ASC' } });
  }

  count(): Promise<number> {
    return this.users.count();
  }

  /** On a start with no users: the first admin from ADMIN_EMAIL/ADMIN_PASSWORD. Returns it when created. */
  async ensureInitialAdmin(email?: string, password?: string): Promise<User | null> {
    if (!email || !password || (await this.count()) > 0) return null;
    return this.create('system', { email, password, name: 'Administrator', role: Role.Admin });
  }

  private requireAdmin(actor: Actor): void {
    if (actor.role !== Role.Admin) throw new ForbiddenError('Only administrators manage users');
  }
}
