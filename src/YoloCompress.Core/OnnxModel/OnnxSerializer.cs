using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Writes a model the way ONNX's own (proto2) schema means it: every attribute carries its
/// value, zero included. The protobuf classes come from a proto3 schema without presence, whose
/// serializer leaves a scalar at its default (ceil_mode=0, axis=0, beta=0.0, an empty string) off the
/// wire; ONNX Runtime then reads 0, but OpenCV refuses the attribute ("unsupported attribute format")
/// and others fall back to the operator's default (DequantizeLinear's axis 1), which is wrong.
/// Every model file the tool writes goes through here.</summary>
public static class OnnxSerializer
{
    // AttributeProto's value fields (onnx.proto): f = 2 (fixed32), i = 3 (varint), s = 4 (bytes).
    private const int FloatField = AttributeProto.FFieldNumber;
    private const int IntField = AttributeProto.IFieldNumber;
    private const int StringField = AttributeProto.SFieldNumber;

    /// <summary>The model's bytes: the standard encoding, field by field in field-number order, plus the
    /// value of each scalar attribute left at its default. Parsing them back gives an equal model; a model
    /// without such attributes gives exactly <c>model.ToByteArray()</c>.</summary>
    public static byte[] Serialize(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer, leaveOpen: true);
        WriteFields(model, output);
        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>Messages that hold attributes, directly or below: written field by field so each
    /// attribute below them can be completed. Everything else is written by its own generated code.</summary>
    private static bool HoldsAttributes(IMessage message) =>
        message is ModelProto or GraphProto or NodeProto or AttributeProto or FunctionProto or TrainingInfoProto;

    private static byte[] Bytes(IMessage message)
    {
        if (!HoldsAttributes(message)) return message.ToByteArray();
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer, leaveOpen: true);
        WriteFields(message, output);
        output.Flush();
        return buffer.ToArray();
    }

    private static void WriteFields(IMessage message, CodedOutputStream output)
    {
        var attribute = message as AttributeProto;
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (attribute is not null && WritesDefault(attribute, field.FieldNumber))
            {
                WriteDefaultValue(field.FieldNumber, output);
                continue;
            }
            var value = field.Accessor.GetValue(message);
            if (field.FieldType == FieldType.Message)
            {
                foreach (var item in Items(field, value))
                {
                    output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(ByteString.CopyFrom(Bytes(item)));
                }
                continue;
            }
            // A scalar or repeated scalar field: a one-field message of the same type encodes it exactly as
            // the whole message would (protobuf concatenates fields), and omits it when it is at its default.
            var single = message.Descriptor.Parser.ParseFrom(ReadOnlySpan<byte>.Empty);
            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(single);
                foreach (var item in (IEnumerable)value) list.Add(item);
            }
            else
            {
                field.Accessor.SetValue(single, value);
            }
            output.WriteRawMessage(single);
        }
    }

    private static IEnumerable<IMessage> Items(FieldDescriptor field, object? value) =>
        field.IsRepeated ? ((IEnumerable)value!).Cast<IMessage>() : value is IMessage m ? [m] : [];

    /// <summary>True when the attribute's type says its value lives in field <paramref name="number"/> and
    /// the value is the default, which the generated serializer would leave out.</summary>
    private static bool WritesDefault(AttributeProto a, int number) => (a.Type, number) switch
    {
        (AttributeProto.Types.AttributeType.Int, IntField) => a.I == 0,
        // Bitwise: -0.0 is not the default and is written by the generated code.
        (AttributeProto.Types.AttributeType.Float, FloatField) => BitConverter.SingleToInt32Bits(a.F) == 0,
        (AttributeProto.Types.AttributeType.String, StringField) => a.S.IsEmpty,
        _ => false,
    };

    private static void WriteDefaultValue(int number, CodedOutputStream output)
    {
        switch (number)
        {
            case IntField:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteInt64(0);
                break;
            case FloatField:
                output.WriteTag(number, WireFormat.WireType.Fixed32);
                output.WriteFloat(0f);
                break;
            default:
                output.WriteTag(number, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.Empty);
                break;
        }
    }
}
