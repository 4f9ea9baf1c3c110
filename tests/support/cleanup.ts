/** Jest setupFilesAfterEnv: every test file leaves no temp dir behind. */
import { removeTempDirs } from './tmp.js';

afterAll(removeTempDirs);
