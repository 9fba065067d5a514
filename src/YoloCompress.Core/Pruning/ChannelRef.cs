namespace YoloCompress.Core.Pruning;

/// <summary>One channel of a channel space: the space (a set of channels created by one Conv and
/// carried unchanged through BN, activations, pooling...) and the channel's index in it. A tensor's
/// layout is one ChannelRef per channel position; Concat concatenates layouts, Split slices them, and a
/// depthwise conv with a channel multiplier repeats each entry.</summary>
public readonly record struct ChannelRef(int Space, int Index);
