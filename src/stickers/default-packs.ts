// The sticker packs a fresh server ships with (the seed loaded them with a SQL script;
// here `npm run seed` or the first start does). Each sticker is an emoji drawn as SVG by
// the server itself, so the packs work offline and need no uploads.
export interface StickerDef {
  id: string;
  emoji: string;
  label: string;
}
export interface PackDef {
  id: string;
  name: string;
  stickers: StickerDef[];
}

export const DEFAULT_PACKS: PackDef[] = [
  {
    id: "love",
    name: "Love",
    stickers: [
      { id: "heart", emoji: "❤️", label: "Heart" },
      { id: "kiss", emoji: "😘", label: "Kiss" },
      { id: "hug", emoji: "🤗", label: "Hug" },
      { id: "rose", emoji: "🌹", label: "Rose" },
      { id: "sparkling-heart", emoji: "💖", label: "Sparkling heart" },
    ],
  },
  {
    id: "moods",
    name: "Moods",
    stickers: [
      { id: "happy", emoji: "😄", label: "Happy" },
      { id: "sad", emoji: "😢", label: "Sad" },
      { id: "angry", emoji: "😠", label: "Angry" },
      { id: "sleepy", emoji: "😴", label: "Sleepy" },
      { id: "party", emoji: "🥳", label: "Party" },
    ],
  },
];

export const stickerUrl = (packId: string, stickerId: string) => `/stickers/${packId}/${stickerId}.svg`;
