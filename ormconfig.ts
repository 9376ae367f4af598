// The DataSource the TypeORM CLI uses (npm run migration:run / migration:generate / migration:revert).
// It reads DATABASE_URL like the example app: postgres://... or sqlite:<path>, default ./data/warden.sqlite.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadExampleConfig } from './src/example/config.js';
import { dataSourceOptions } from './src/example/database.js';

export default new DataSource(dataSourceOptions(loadExampleConfig(process.env).database));
