package dev.sluice.server.config;

/** One config file as read: its name (the path it was read from) and its UTF-8 text. */
public record ConfigFile(String name, String content) {}
