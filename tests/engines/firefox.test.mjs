// The visitor's scenarios (scenarios.mjs) in firefox: README.md ('Driving the page from a script') and tests/README.md say what it needs.
import { engineSuite } from './scenarios.mjs';
import { launchFirefox } from './drivers/firefox.mjs';

engineSuite('firefox', launchFirefox);
