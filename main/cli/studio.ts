/** The headless `studio` command (npm run studio -- ...). Generation arrives with the engine. */
const [command] = process.argv.slice(2);
if (!command || command === '--help' || command === 'help') {
  console.log('Usage: npm run studio -- <command> [options]\n\nCommands:\n  (generate arrives with the inference engine)');
  process.exit(command ? 0 : 2);
}
console.error(`studio: unknown command ${JSON.stringify(command)}. Run "npm run studio -- --help" for the list.`);
process.exit(2);
