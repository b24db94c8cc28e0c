// Tokenisation with the model's own tokenizer.json (@huggingface/tokenizers, never a hand-written
// WordPiece) and the split of long posts into overlapping windows, so no text is silently truncated.
import { Tokenizer } from "@huggingface/tokenizers";

export interface Window {
  /** [CLS] content… [SEP] */
  ids: number[];
  /** content tokens in this window (weight for aggregation). */
  contentTokens: number;
}

export interface WindowedText {
  windows: Window[];
  tokens: number;
}

export class WindowTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly cls: number;
  private readonly sep: number;

  constructor(
    tokenizerJson: object,
    private readonly maxLength: number,
    private readonly stride: number,
  ) {
    this.tokenizer = new Tokenizer(tokenizerJson, {});
    this.cls = this.requireToken("[CLS]");
    this.sep = this.requireToken("[SEP]");
  }

  private requireToken(token: string): number {
    const id = this.tokenizer.token_to_id(token);
    if (id === undefined) throw new Error(`tokenizer.json has no ${token} token; a BERT-style tokenizer is required`);
    return id;
  }

  /** Content token ids without special tokens. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * Windows of (max_length - 2) content tokens; consecutive windows share `stride` tokens. A post that
   * fits yields one window; an empty post yields [CLS][SEP].
   */
  windows(text: string): WindowedText {
    const content = this.encode(text);
    const size = this.maxLength - 2;
    const step = size - this.stride;
    const windows: Window[] = [];
    for (let start = 0; ; start += step) {
      const slice = content.slice(start, start + size);
      windows.push({ ids: [this.cls, ...slice, this.sep], contentTokens: slice.length });
      if (start + size >= content.length) break;
    }
    return { windows, tokens: content.length };
  }
}
