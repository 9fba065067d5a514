// Placeholder until the commands land.
return 0;
