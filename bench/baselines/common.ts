// Shared parts of the docs-recipe baselines: the users table read through TypeORM, and the
// passport-local strategy with argon2, written as the NestJS authentication docs teach.
// Constructor parameters use @Inject because the bench runs these files through tsx, which
// does not emit decorator metadata.
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import argon2 from 'argon2';
import { Strategy } from 'passport-local';
import { DataSource, EntitySchema } from 'typeorm';

export interface RecipeUser {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  roles: string[];
  createdAt: Date;
}

export const RecipeUserEntity = new EntitySchema<RecipeUser>({
  name: 'RecipeUser',
  tableName: 'recipe_users',
  columns: {
    id: { type: 'uuid', primary: true },
    email: { type: 'varchar', length: 320, unique: true },
    displayName: { name: 'display_name', type: 'varchar', length: 100 },
    passwordHash: { name: 'password_hash', type: 'varchar', length: 255 },
    roles: { type: 'simple-json' },
    createdAt: { name: 'created_at', type: 'timestamp' },
  },
});

/** The table the bench creates (and seeds) before the recipe apps start. */
export const RECIPE_USERS_DDL = `CREATE TABLE recipe_users (
  id uuid PRIMARY KEY,
  email varchar(320) NOT NULL UNIQUE,
  display_name varchar(100) NOT NULL,
  password_hash varchar(255) NOT NULL,
  roles text NOT NULL,
  created_at timestamp NOT NULL DEFAULT now()
)`;

export const env = {
  port: Number(process.env.PORT ?? 3100),
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  schema: process.env.DATABASE_SCHEMA ?? 'public',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  redisPrefix: process.env.REDIS_KEY_PREFIX ?? 'sess:',
  secret: process.env.SESSION_SECRET ?? 'replace-me-with-a-long-random-secret-from-the-env',
};

export const dataSourceProvider = {
  provide: DataSource,
  useFactory: async () =>
    new DataSource({
      type: 'postgres',
      url: env.databaseUrl,
      schema: env.schema,
      entities: [RecipeUserEntity],
      synchronize: false,
    }).initialize(),
};

export function publicUser(user: RecipeUser) {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: user.roles,
    createdAt: user.createdAt,
  };
}

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(DataSource) private readonly db: DataSource) {
    super({ usernameField: 'email' });
  }

  async validate(email: string, password: string): Promise<RecipeUser> {
    const user = await this.db.getRepository(RecipeUserEntity).findOneBy({ email });
    if (!user || !(await argon2.verify(user.passwordHash, password))) {
      throw new UnauthorizedException();
    }
    return user;
  }
}

/** Prints the line the bench waits for. */
export function announce(name: string): void {
  console.log(`${name} listening on ${env.port}`);
}
