import { CreateWardenUsers1763800000000 } from './1763800000000-create-warden-users.js';
import { AddWardenEmailSkeleton1764000000000 } from './1764000000000-add-warden-email-skeleton.js';
import { WardenUsersTimestamptz1764200000000 } from './1764200000000-warden-users-timestamptz.js';
import { CreateWardenMailOutbox1764400000000 } from './1764400000000-create-warden-mail-outbox.js';
import { AddWardenEmailVerified1764400000001 } from './1764400000001-add-warden-email-verified.js';
import { CreateWardenAccountTokens1764400000002 } from './1764400000002-create-warden-account-tokens.js';
import { AddWardenMfa1764600000000 } from './1764600000000-add-warden-mfa.js';
import { CreateWardenPasskeys1764800000000 } from './1764800000000-create-warden-passkeys.js';
import { CreateWardenAudit1765000000000 } from './1765000000000-create-warden-audit.js';
import { AddWardenUsersEmailPrefixIndex1765100000000 } from './1765100000000-add-warden-users-email-prefix-index.js';

/** nest-warden's migrations, oldest first. Add them to your DataSource's `migrations`. */
export const wardenMigrations = [
  CreateWardenUsers1763800000000,
  AddWardenEmailSkeleton1764000000000,
  WardenUsersTimestamptz1764200000000,
  CreateWardenMailOutbox1764400000000,
  AddWardenEmailVerified1764400000001,
  CreateWardenAccountTokens1764400000002,
  AddWardenMfa1764600000000,
  CreateWardenPasskeys1764800000000,
  CreateWardenAudit1765000000000,
  AddWardenUsersEmailPrefixIndex1765100000000,
];
